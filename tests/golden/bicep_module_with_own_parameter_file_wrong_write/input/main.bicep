module acr 'acr.bicep' = {
  name: 'acr'
  params: {
    acrName: 'viamain'
    acrSku: 'Standard'
  }
}
