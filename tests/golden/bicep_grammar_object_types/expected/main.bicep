@description('A union with a leading pipe inside an object type, then another union.')
param storage {
  skuName: (
    | 'Standard_LRS'
    | 'Standard_GRS')
  publicAccess: ('Disabled' | 'Enabled')
}?

@description('An optional object type closed by `}?`, followed by the next statement.')
param network {
  subnetId: string
  privateDnsZoneId: string?
}?
param location string = resourceGroup().location

param tags { *: string }?

param slot ({
  name: ('stage')?
  appSettings: ({ name: string, value: string })[]?
}) = {}

@description('A typed variable whose type spans lines.')
var diagnostics {
  workspaceId: string
  retentionDays: int
}[] = []

var lastDiagnostics = diagnostics[?^1]

param vnetId string = ''
param useSubnet bool = true

resource vnet 'Microsoft.Network/virtualNetworks@2023-04-01' existing = if (!empty(vnetId)) {
  name: last(split(vnetId, '/'))
  scope: resourceGroup(split(vnetId, '/')[2], split(vnetId, '/')[4])

  resource subnet 'subnets@2023-04-01' existing = if (useSubnet && !empty(vnetId)) {
    name: 'default'
  }
}

resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'typesacr'
  location: location
  tags: tags
  sku: {
    name: 'Premium'
  }
  properties: {
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}
