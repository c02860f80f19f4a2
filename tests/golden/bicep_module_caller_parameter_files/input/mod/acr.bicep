param sku string = 'Basic'

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acr${uniqueString(resourceGroup().id)}'
  location: resourceGroup().location
  sku: {
    name: sku
  }
  properties: {}
}
