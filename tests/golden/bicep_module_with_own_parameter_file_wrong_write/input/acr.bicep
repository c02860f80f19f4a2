param acrName string
param acrSku string = 'Premium'
param publicNetworkAccess string = 'Enabled'
resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: acrName
  location: resourceGroup().location
  sku: { name: acrSku }
  properties: { publicNetworkAccess: publicNetworkAccess }
}
