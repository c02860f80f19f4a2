resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosoapps'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
}
