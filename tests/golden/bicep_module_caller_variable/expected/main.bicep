targetScope = 'resourceGroup'

// names and SKUs of the environment
var registryName = 'acr${uniqueString(resourceGroup().id)}'
var registrySku = 'Premium' // cheapest for dev

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    name: registryName
    sku: registrySku
  }
}
