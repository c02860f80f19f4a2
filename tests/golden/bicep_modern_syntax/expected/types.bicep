@export()
type tagsType = {
  *: string
}
