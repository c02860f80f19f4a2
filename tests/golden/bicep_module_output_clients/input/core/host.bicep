// A wrapper: deploys the registry and passes its login server on
param location string = resourceGroup().location

module registry 'registry.bicep' = {
  name: 'registry'
  params: {
    name: 'acr${uniqueString(resourceGroup().id)}'
    location: location
  }
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: 'env'
  location: location
  properties: {}
}

output registryLoginServer string = registry.outputs.loginServer
output registryName string = registry.outputs.name
output environmentId string = environment.id
