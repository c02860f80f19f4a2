param principalId string
resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'builds'
  location: resourceGroup().location
  sku: { name: 'Premium' }
  properties: { adminUserEnabled: false }
}
@description('This is the built-in AcrPull role.')
resource acrPullRoleDefinition 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
}
resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(acr.id, principalId, acrPullRoleDefinition.id)
  scope: acr
  properties: {
    roleDefinitionId: acrPullRoleDefinition.id
    principalId: principalId
  }
}
