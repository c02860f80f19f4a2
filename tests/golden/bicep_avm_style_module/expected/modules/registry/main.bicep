metadata name = 'Azure Container Registries (ACR)'
metadata description = 'This module deploys an Azure Container Registry (ACR).'

@description('Required. Name of your Azure Container Registry.')
@minLength(5)
@maxLength(50)
param name string

@description('Optional. Enable admin user that have push / pull permission to the registry.')
param acrAdminUserEnabled bool = false

@description('Optional. Location for all resources.')
param location string = resourceGroup().location

@allowed([
  'Basic'
  'Premium'
  'Standard'
])
@description('Optional. Tier of your Azure container registry.')
param acrSku string = 'Premium'

@allowed([
  'Disabled'
  'Enabled'
])
@description('Optional. Whether or not public network access is allowed for this resource.')
param publicNetworkAccess string = 'Enabled'

@allowed([
  'AzureServices'
  'None'
])
@description('Optional. Whether to allow trusted Azure services to access a network restricted registry.')
param networkRuleBypassOptions string = 'AzureServices'

@allowed([
  'Allow'
  'Deny'
])
@description('Optional. The default action of allow or deny when no other rules match.')
param networkRuleSetDefaultAction string = 'Deny'

@description('Optional. The IP ACL rules. Note, requires the \'acrSku\' to be \'Premium\'.')
param networkRuleSetIpRules array = []

@description('Optional. Tags of the resource.')
param tags object?

#disable-next-line use-recent-api-versions
resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: acrSku
  }
  properties: {
    adminUserEnabled: acrAdminUserEnabled
    publicNetworkAccess: publicNetworkAccess
    networkRuleBypassOptions: networkRuleBypassOptions
    networkRuleSet: {
      defaultAction: networkRuleSetDefaultAction
      ipRules: networkRuleSetIpRules
    }
  }
}

@description('The resource ID of the Azure container registry.')
output resourceId string = registry.id
