// Conditions that are more than a bool parameter: comparisons, empty(), !, && and ||, read
// when every deployment (here: main.bicepparam, and the defaults it leaves) agrees on them.
param environment string = 'dev'
param privateSubnetId string = ''
param isolated bool = true
param acrSku string = 'Basic'
param owner string

resource prod 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosoprodacr'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    // main.bicepparam sets environment to 'prod'
    publicNetworkAccess: environment == 'prod' && isolated ? 'Disabled' : 'Enabled'
  }
}

resource subnet 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contososubnetacr'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    // no subnet: 'Enabled', so the firewall closes it
    publicNetworkAccess: !empty(privateSubnetId) ? 'Disabled' : 'Enabled'
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}

resource unknown 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contosoowneracr'
  location: resourceGroup().location
  sku: {
    name: 'Premium'
  }
  properties: {
    // owner comes from the environment at deployment time: both branches count
    publicNetworkAccess: owner == 'platform' || !isolated ? 'Enabled' : 'Disabled'
    networkRuleBypassOptions: 'AzureServices'
    networkRuleSet: {
      defaultAction: 'Deny'
    }
  }
}

resource bySku 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'contososkuacr'
  location: resourceGroup().location
  sku: {
    name: acrSku
  }
  properties: {
    // the condition reads the SKU parameter: upgrading it would change this value too
    publicNetworkAccess: acrSku =~ 'premium' ? 'Disabled' : 'Enabled'
  }
}
