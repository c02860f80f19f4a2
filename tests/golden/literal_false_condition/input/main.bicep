resource never 'Microsoft.ContainerRegistry/registries@2023-07-01' = if (false) {
  name: 'contosoneverbicep'
  location: resourceGroup().location
  sku: {
    name: 'Basic'
  }
}
