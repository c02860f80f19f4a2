param name string
param sku string = 'Premium'

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: resourceGroup().location
  sku: {
    name: sku
  }
  properties: {
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}
