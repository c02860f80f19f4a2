import { acrSettings } from 'shared/settings.bicep'
import { acrSettings as hub } from 'shared/settings.bicep'
import * as shared from 'shared/settings.bicep'

// the SKU comes from the shared settings: acr-fix cannot upgrade it here
resource byName 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosonamedacr'
  location: resourceGroup().location
  sku: {
    name: acrSettings.sku
  }
  properties: {
    publicNetworkAccess: hub.publicNetworkAccess
  }
}

// Premium here; the open access it imports is closed by the firewall in this file
resource byNamespace 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosonamespaceacr'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    publicNetworkAccess: shared.acrSettings.publicNetworkAccess
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}

// the imported switch is on: public access is disabled
resource switched 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contososwitchedacr'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    publicNetworkAccess: shared.privateNetworking.enabled ? 'Disabled' : 'Enabled'
  }
}
