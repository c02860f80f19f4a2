module prod 'modules/acr.bicep' = {
  name: 'prod'
  params: {
    name: 'contosoprod'
    sku: 'Premium'
  }
}
module avm 'br/public:avm/res/container-registry/registry:0.12.0' = {
  name: 'avm'
  params: {
    name: 'contosoavm'
    acrSku: 'Premium'
    publicNetworkAccess: 'Disabled'
  }
}
