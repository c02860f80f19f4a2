targetScope = 'resourceGroup'

param location string = resourceGroup().location

module registry 'modules/acr.bicep' = {
  name: 'registry'
  params: {
    name: 'contosoapps'
    sku: 'Standard'
    location: location
  }
}
