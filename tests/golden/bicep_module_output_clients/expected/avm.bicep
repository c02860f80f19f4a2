// The AVM registry module and a container app in the same file that pulls through its output
param location string = resourceGroup().location

module acr 'br/public:avm/res/container-registry/registry:0.12.0' = {
  name: 'acr'
  params: {
    name: 'avmacr${uniqueString(resourceGroup().id)}'
    location: location
    networkRuleSetDefaultAction: 'Allow'
  }
}

resource worker 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'worker'
  location: location
  properties: {
    configuration: {
      registries: [
        {
          server: acr.outputs.loginServer
          identity: 'system'
        }
      ]
    }
  }
}

output registryId string = acr.outputs.resourceId
