param location string = resourceGroup().location

@description('A multi-dollar string: tree-sitter-bicep 1.1 cannot read it.')
var script = $$'echo ${HOME} in $${location}'

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

output script string = script
