metadata description = 'modern syntax'
import { tagsType } from './types.bicep'
import * as shared from 'shared.bicep'
extension microsoftGraphV1

@export()
type skuType = 'Basic' | 'Standard' | 'Premium'

@description('Settings')
type settingsType = {
  name: string
  sku: skuType?
  @minLength(1)
  ipRules: string[]
}

func buildName(prefix string, suffix string) string => '${prefix}-${suffix}'

param settings settingsType
param tags object = {}
param location string = resourceGroup().location
param sku skuType = 'Premium'

var merged = {
  ...tags
  env: 'prod'
}
var names = map(range(0, 3), i => 'acr${i}')
var maybe = settings.?sku ?? 'Basic'

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: buildName('acr', uniqueString(resourceGroup().id))
  location: location
  tags: merged
  sku: {
    name: sku
  }
  properties: {
    adminUserEnabled: false
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}

assert nameOk = length(acr.name) > 5

output loginServer string = acr.properties.loginServer
output first string = names[0]
