param networkDefaultAction string = 'Allow'

resource closed 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'closed${uniqueString(resourceGroup().id)}'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    networkRuleSet: {
      defaultAction: networkDefaultAction
    }
  }
}
