@description('Name of the registry.')
param name string

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string

param location string

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}

output id string = registry.id
