param acrName string = 'acrtwin01'
param location string = resourceGroup().location

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: acrName
  location: location
  sku: {
    name: 'Premium'
  }
}

// the same registry by name, as role assignments often take it
resource acrRef 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: acrName
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-app'
  location: location
}

resource push 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(acrRef.id, identity.id, 'push')
  scope: acrRef
  properties: {
    principalId: identity.properties.principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '8311e382-0749-4cb8-b61a-304f252e45ec')
  }
}

// a reader role: not a client
resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(acr.id, 'reader')
  scope: acr
  properties: {
    principalId: identity.properties.principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')
  }
}

resource site 'Microsoft.Web/sites@2023-12-01' = {
  name: 'site-twin'
  location: location
  properties: {
    siteConfig: {
      linuxFxVersion: 'DOCKER|${acrName}.azurecr.io/app:latest'
    }
  }
}
