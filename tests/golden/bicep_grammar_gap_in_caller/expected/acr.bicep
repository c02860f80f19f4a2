param sku string = 'Basic'

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'mcacr'
  location: 'westus'
  sku: {
    name: sku
  }
}
