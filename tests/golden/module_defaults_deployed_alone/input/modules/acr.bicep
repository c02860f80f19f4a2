param name string = 'contosoalone'
param sku string = 'Basic'

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: resourceGroup().location
  sku: {
    name: sku
  }
}
