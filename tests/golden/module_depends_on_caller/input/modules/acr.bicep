param name string
param sku string
param publicAccess string

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: resourceGroup().location
  sku: {
    name: sku
  }
  properties: {
    publicNetworkAccess: publicAccess
  }
}
