resource legacy 'Microsoft.ContainerRegistry/registries@2021-09-01' = {
  name: 'contosolegacy'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    adminUserEnabled: false
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}
