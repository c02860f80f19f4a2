param deployRegistry bool = true
param regions array = [
  'westeurope'
  'northeurope'
]

resource primary 'Microsoft.ContainerRegistry/registries@2023-07-01' = if (deployRegistry) {
  name: 'contosoprimary'
  location: resourceGroup().location
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

@batchSize(1)
resource regional 'Microsoft.ContainerRegistry/registries@2023-07-01' = [for (region, i) in regions: {
  name: 'contoso${region}${i}'
  location: region
  sku: {
    name: 'Premium'
  }
  properties: {
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}]

resource gated 'Microsoft.ContainerRegistry/registries@2023-07-01' = [for region in regions: if (region != 'westeurope') {
  name: 'gated${region}'
  location: region
  sku: { name: 'Premium' }
  properties: {
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}]
