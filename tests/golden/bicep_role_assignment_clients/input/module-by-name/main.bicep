param location string = resourceGroup().location
var acrName = 'acr${uniqueString(resourceGroup().id)}'

module registry 'modules/acr.bicep' = {
  name: 'registry'
  params: {
    name: acrName
    location: location
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: 'plan'
  location: location
  kind: 'linux'
  sku: {
    name: 'B1'
  }
  properties: {
    reserved: true
  }
}

resource web 'Microsoft.Web/sites@2023-12-01' = {
  name: 'web${uniqueString(resourceGroup().id)}'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    siteConfig: {
      linuxFxVersion: 'DOCKER|${acrName}.azurecr.io/app:latest'
      acrUseManagedIdentityCreds: true
    }
  }
}

module pull 'modules/acr-pull.bicep' = {
  name: 'pull'
  params: {
    acrName: acrName
    principalId: web.identity.principalId
  }
  dependsOn: [registry]
}
