param name string
param location string = resourceGroup().location

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  sku: {
    name: 'Premium'
  }
  properties: {
    adminUserEnabled: true
  }
}

output loginServer string = registry.properties.loginServer
output name string = registry.name
output id string = registry.id
#disable-next-line outputs-should-not-contain-secrets
output password string = registry.listCredentials().passwords[0].value
