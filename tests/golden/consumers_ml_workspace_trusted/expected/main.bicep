resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosoml'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}

resource ws 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'ws'
  location: resourceGroup().location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    containerRegistry: acr.id
  }
}
