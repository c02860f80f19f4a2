param workspaceResourceId string = ''

// tree-sitter-bicep 1.1 reads these `//` as comments inside the strings
var folder = '@replace(concat(variables(\'scope\'),\'/\'),\'//\',\'/\')'

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = if (!empty(workspaceResourceId)) {
  name: last(split((!empty(workspaceResourceId) ? workspaceResourceId : 'law'), '/'))!
  scope: az.resourceGroup(
    split((!empty(workspaceResourceId) ? workspaceResourceId : '//'), '/')[2],
    split((!empty(workspaceResourceId) ? workspaceResourceId : '////'), '/')[4]
  )
}

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'commentsacr'
  location: 'westus'
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

output folder string = folder
