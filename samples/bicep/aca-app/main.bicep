targetScope = 'resourceGroup'

@minLength(1)
@maxLength(64)
@description('Name of the environment, used to name every resource.')
param environmentName string

@description('Primary location for all resources.')
param location string = resourceGroup().location

@description('SKU of the container registry.')
param registrySku string = 'Basic'

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    name: 'cr${resourceToken}'
    location: location
    tags: tags
    sku: registrySku
  }
}

module apps 'modules/apps.bicep' = {
  name: 'apps'
  params: {
    location: location
    registryName: registry.outputs.name
  }
}

output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
