resource legacy 'Microsoft.ContainerRegistry/registries@2019-05-01' = {
  name: 'contosolegacy'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    adminUserEnabled: false
  }
}
