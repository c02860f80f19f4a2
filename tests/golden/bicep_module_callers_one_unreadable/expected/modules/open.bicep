param name string
param sku string = 'Premium'
param networkDefaultAction string = 'Allow'

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: resourceGroup().location
  sku: {
    name: sku
  }
  properties: {
    networkRuleSet: {
      defaultAction: networkDefaultAction
    }
  }
}
