import { tierType } from './types.bicep'

type skuType = 'Basic' | 'Standard'

param sku skuType = 'Basic'
param inlineSku 'Basic' | 'Standard' = 'Standard'

resource a 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'aliasacr'
  location: 'westus'
  sku: {
    name: sku
  }
}

resource b 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'inlineacr'
  location: 'westus'
  sku: {
    name: inlineSku
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
