import {
  lockType
  roleAssignmentType as roles
} from 'br/public:avm/utl/types/avm-common-types:0.5.1'

@export()
@description('The item\'s type, with a parenthesized multi-line union.')
type tierType = (
  | 'Basic'
  | 'Standard')

type capacityType = (100 | 200 | 300)

param tier tierType = 'Basic'
param storageAccountResourceId string = ''

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = if (!empty(storageAccountResourceId)) {
  name: last(split(storageAccountResourceId, '/'))
  scope: resourceGroup(
    split(storageAccountResourceId, '/')[2],
    split(storageAccountResourceId, '/')[4]
  )
}

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'modernacr'
  location: 'westus'
  sku: {
    name: tier
  }
}
