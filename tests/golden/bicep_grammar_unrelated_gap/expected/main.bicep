param location string = resourceGroup().location

@description('A typed variable whose type spans lines: tree-sitter-bicep 1.1 cannot read it.')
var diagnostics {
  workspaceId: string
  retentionDays: int
} = {
  workspaceId: ''
  retentionDays: 30
}

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string = 'Premium'

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'gapacr${uniqueString(resourceGroup().id)}'
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

output retention int = diagnostics.retentionDays
