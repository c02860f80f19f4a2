// Registry settings in one object parameter, set in the .bicepparam file.
type registryConfig = {
  name: string
  sku: 'Basic' | 'Standard' | 'Premium'
}

param acrConfig registryConfig

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: acrConfig.name
  location: resourceGroup().location
  sku: {
    name: acrConfig.sku
  }
  properties: {
    adminUserEnabled: false
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}
