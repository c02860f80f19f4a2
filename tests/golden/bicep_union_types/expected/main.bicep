import { tierType } from './types.bicep'

type skuType = 'Basic' | 'Standard' | 'Premium'

param sku skuType = 'Premium'
param inlineSku 'Basic' | 'Standard' | 'Premium' = 'Premium'

resource a 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'aliasacr'
  location: 'westus'
  sku: {
    name: sku
  }
  properties: {
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}

resource b 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'inlineacr'
  location: 'westus'
  sku: {
    name: inlineSku
  }
  properties: {
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}

param importedSku tierType = 'Standard'

resource c 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'importedacr'
  location: 'westus'
  sku: {
    name: importedSku
  }
}
