targetScope = 'subscription'
param environmentName string
param location string
param registrySku string = 'Basic'
param registryAccess string = 'Enabled'

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: 'rg-${environmentName}'
  location: location
}

module containerRegistry 'core/host/container-registry.bicep' = {
  name: 'container-registry'
  scope: rg
  params: {
    name: 'cr${uniqueString(rg.id)}'
    location: location
    sku: {
      name: registrySku
    }
    publicNetworkAccess: registryAccess
  }
}
