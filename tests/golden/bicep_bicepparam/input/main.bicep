param registryName string
param sku string = 'Premium'
param publicAccess string = 'Disabled'
param location string = resourceGroup().location

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: registryName
  location: location
  sku: {
    name: sku
  }
  properties: {
    publicNetworkAccess: publicAccess
    zoneRedundancy: 'Disabled'
  }
}
