param registryName string
param location string = resourceGroup().location

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource job 'Microsoft.App/jobs@2024-03-01' = {
  name: 'job'
  location: location
  properties: {
    configuration: {
      triggerType: 'Manual'
      registries: [
        {
          server: registry.properties.loginServer
          identity: 'system'
        }
      ]
    }
  }
}
