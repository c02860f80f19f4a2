param baseProps object = {}
resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'spreadacr'
  location: 'westus'
  sku: {
    name: 'Premium'
  }
  properties: {
    ...baseProps
    adminUserEnabled: false
  }
}
