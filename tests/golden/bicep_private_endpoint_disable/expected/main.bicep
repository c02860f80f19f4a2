param subnetId string

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosoprivate'
  location: resourceGroup().location
  sku: { name: 'Premium' }
  properties: {
    publicNetworkAccess: 'Disabled'
  }
}

resource endpoint 'Microsoft.Network/privateEndpoints@2023-04-01' = {
  name: 'pe-contosoprivate'
  location: resourceGroup().location
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: 'registry'
        properties: {
          privateLinkServiceId: registry.id
          groupIds: [
            'registry'
          ]
        }
      }
    ]
  }
}
