resource locked 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosolocked'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    publicNetworkAccess: 'Disabled'
  }
}

var action = 'Deny'

resource firewalled 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosofirewalled'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: action
      ipRules: [
        {
          action: 'Allow'
          value: '203.0.113.0/24'
        }
      ]
    }
  }
}
