// azd style: gets the registry's name and builds the login server from it
param name string
param location string = resourceGroup().location
param containerRegistryName string
param containerRegistryHostSuffix string = 'azurecr.io'

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: name
  location: location
  properties: {
    configuration: {
      registries: [
        {
          server: '${containerRegistryName}.${containerRegistryHostSuffix}'
          identity: 'system'
        }
      ]
    }
  }
}
