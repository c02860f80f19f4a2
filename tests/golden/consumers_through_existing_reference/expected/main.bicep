param location string = resourceGroup().location

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    name: 'contososhared'
    location: location
  }
}

module api 'modules/api.bicep' = {
  name: 'api'
  params: {
    registryName: 'contososhared'
    location: location
  }
}
