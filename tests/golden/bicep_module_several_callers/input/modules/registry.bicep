// One registry module, deployed three times: each call is a deployment of its own.
@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string = 'Standard'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acr${uniqueString(resourceGroup().id)}'
  location: resourceGroup().location
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false
  }
}
