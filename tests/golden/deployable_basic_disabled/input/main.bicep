param sku string = 'Standard'

// passes the rule, but publicNetworkAccess needs 2019-12-01-preview or later
resource old 'Microsoft.ContainerRegistry/registries@2019-05-01' = {
  name: 'contosooldapi'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    publicNetworkAccess: 'Disabled'
  }
}

// a Deny firewall on the SKU default Standard
resource denied 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosodenied'
  location: resourceGroup().location
  sku: {
    name: sku
  }
  properties: {
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}
