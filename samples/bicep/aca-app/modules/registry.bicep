metadata description = 'Creates an Azure Container Registry.'

param name string
param location string = resourceGroup().location
param tags object = {}

@allowed([
  'Basic'
  'Standard'
  'Premium'
])
param sku string = 'Basic'

@description('Enable an admin user that has push/pull permission to the registry.')
param adminUserEnabled bool = false

@description('Allow anonymous (unauthenticated) pulls.')
param anonymousPullEnabled bool = false

resource containerRegistry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: adminUserEnabled
    anonymousPullEnabled: anonymousPullEnabled
    dataEndpointEnabled: false
    encryption: {
      status: 'disabled'
    }
    policies: {
      retentionPolicy: {
        days: 7
        status: 'disabled'
      }
    }
    zoneRedundancy: 'Disabled'
  }
}

output loginServer string = containerRegistry.properties.loginServer
output name string = containerRegistry.name
