param location string = resourceGroup().location
param principalId string

module host 'core/host.bicep' = {
  name: 'host'
  params: {
    location: location
  }
}

// pulls through the login server the wrapper passes on
resource api 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'api'
  location: location
  properties: {
    environmentId: host.outputs.environmentId
    configuration: {
      registries: [
        {
          server: host.outputs.registryLoginServer
          identity: 'system'
        }
      ]
    }
  }
}

// pulls with a login server built from the registry's name
resource web 'Microsoft.Web/sites@2023-12-01' = {
  name: 'web'
  location: location
  properties: {
    siteConfig: {
      acrUseManagedIdentityCreds: true
      linuxFxVersion: 'DOCKER|${host.outputs.registryName}.azurecr.io/web:latest'
    }
  }
}

// only grants a role on the registry, by name: not a puller
resource pullRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, host.outputs.registryName, principalId)
  properties: {
    principalId: principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')
  }
}

// gets the registry's name and pulls with it (in the module)
module frontend 'app/app.bicep' = {
  name: 'frontend'
  params: {
    name: 'frontend'
    containerRegistryName: host.outputs.registryName
  }
}

// passes the name on to a module that pulls
module job 'app/job.bicep' = {
  name: 'job'
  params: {
    containerRegistryName: host.outputs.registryName
  }
}

// gets the name for an AcrPull role assignment: its principal pulls
module access 'security/registry-access.bicep' = {
  name: 'access'
  params: {
    containerRegistryName: host.outputs.registryName
    principalId: principalId
  }
}

output AZURE_CONTAINER_REGISTRY_ENDPOINT string = host.outputs.registryLoginServer
