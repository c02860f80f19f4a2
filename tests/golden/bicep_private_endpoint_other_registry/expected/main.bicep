param location string = resourceGroup().location
param subnetId string

// private registry, reached through its private endpoint
resource internal 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'internalacr${uniqueString(resourceGroup().id)}'
  location: location
  sku: {
    name: 'Premium'
  }
  properties: {
    publicNetworkAccess: 'Disabled'
  }
}

resource internalPe 'Microsoft.Network/privateEndpoints@2023-04-01' = {
  name: 'pe-internal'
  location: location
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: 'internal'
        properties: {
          privateLinkServiceId: internal.id
          groupIds: [
            'registry'
          ]
        }
      }
    ]
  }
}

// public registry used by CI from the internet; it has no private endpoint
resource public 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'publicacr${uniqueString(resourceGroup().id)}'
  location: location
  sku: {
    name: 'Premium'
  }
  properties: {
    publicNetworkAccess: 'Enabled'
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}
