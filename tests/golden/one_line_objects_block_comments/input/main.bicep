resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acrinline'
  location: 'westeurope'
  sku: { name: 'Basic' /* cheapest while in preview */ }
  properties: { adminUserEnabled: false /* tokens only */ }
}
