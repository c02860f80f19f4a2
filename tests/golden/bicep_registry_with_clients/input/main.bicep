param location string = resourceGroup().location

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosoappsacr'
  location: location
  sku: {
    name: 'Premium'
  }
  properties: {
    adminUserEnabled: true
  }
}

resource other 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: 'sharedacr'
}

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'contoso-app'
  location: location
  properties: {
    configuration: {
      registries: [
        {
          server: acr.properties.loginServer
          username: acr.listCredentials().username
          passwordSecretRef: 'acr-password'
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'app'
          image: '${other.properties.loginServer}/app:latest'
        }
      ]
    }
  }
}

output loginServer string = acr.properties.loginServer
