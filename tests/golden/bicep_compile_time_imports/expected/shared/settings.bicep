// Settings shared by several templates: acr-fix reads them but leaves them to their owner.
@export()
var acrSettings = {
  sku: 'Standard'
  publicNetworkAccess: 'Enabled'
}

@export()
var privateNetworking = {
  enabled: true
}
