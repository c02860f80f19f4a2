@export()
type tierType = 'Basic' | 'Standard'
